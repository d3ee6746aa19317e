#include "common/storage/wal_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace clinic::storage {
namespace {

std::atomic<int64_t> writes_asked{0};
std::atomic<int64_t> writes_made{0};
std::atomic<int64_t> temporary_files{0};

sqlite3_vfs* Real(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// A WAL file opened through the VFS: this header, then the default VFS's own
// file, which does the real work.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  // kWalBufferBytes, allocated on the first write kept.
  char* buffer;
  // The kept bytes belong at [start, start + size) of the file.
  sqlite3_int64 start;
  size_t size;
};

WalFile* Wal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }

int RealWrite(WalFile* wal, const void* data, int amount, sqlite3_int64 offset) {
  writes_made.fetch_add(1, std::memory_order_relaxed);
  return wal->real->pMethods->xWrite(wal->real, data, amount, offset);
}

// Writes what is kept. The bytes are let go whether or not the write
// succeeded: on failure SQLite is told (by the call that needed them), and
// it abandons the transaction whose frames they were, as it would have had
// the write failed when asked.
int Flush(WalFile* wal) {
  if (wal->size == 0) return SQLITE_OK;
  const int rc = RealWrite(wal, wal->buffer, static_cast<int>(wal->size), wal->start);
  wal->size = 0;
  return rc;
}

bool Overlaps(const WalFile* wal, sqlite3_int64 offset, int amount) {
  return wal->size > 0 && offset < wal->start + static_cast<sqlite3_int64>(wal->size) &&
         wal->start < offset + amount;
}

// Anything still kept at close belongs to a transaction that never
// committed (a commit syncs, which writes it): dropped, like the frames of
// any rollback (DropKeptWalFrames).
int Close(sqlite3_file* file) {
  WalFile* wal = Wal(file);
  wal->size = 0;
  const int closed = wal->real->pMethods->xClose(wal->real);
  sqlite3_free(wal->buffer);
  wal->buffer = nullptr;
  return closed;
}

// True when [offset, offset + amount) lies within the kept bytes.
bool Holds(const WalFile* wal, sqlite3_int64 offset, int amount) {
  return wal->size > 0 && offset >= wal->start &&
         offset + amount <= wal->start + static_cast<sqlite3_int64>(wal->size);
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  WalFile* wal = Wal(file);
  // A page SQLite logged a moment ago and now needs back (its cache let it
  // go): from memory, so the kept run goes on.
  if (Holds(wal, offset, amount)) {
    std::memcpy(out, wal->buffer + (offset - wal->start), static_cast<size_t>(amount));
    return SQLITE_OK;
  }
  if (Overlaps(wal, offset, amount)) {
    if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  }
  return wal->real->pMethods->xRead(wal->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  writes_asked.fetch_add(1, std::memory_order_relaxed);
  WalFile* wal = Wal(file);
  const auto bytes = static_cast<size_t>(amount);
  const sqlite3_int64 end = wal->start + static_cast<sqlite3_int64>(wal->size);
  // A frame written again in the same transaction (SQLite rewrites a page
  // it already logged) while it is still kept.
  if (Holds(wal, offset, amount)) {
    std::memcpy(wal->buffer + (offset - wal->start), data, bytes);
    return SQLITE_OK;
  }
  // The next bytes of the file, with room for them.
  if (wal->size > 0 && offset == end && wal->size + bytes <= kWalBufferBytes) {
    std::memcpy(wal->buffer + wal->size, data, bytes);
    wal->size += bytes;
    return SQLITE_OK;
  }
  // Elsewhere, away from the kept bytes (a frame logged earlier, rewritten):
  // the order of writes to different bytes does not matter, so it goes to
  // the file at once and the kept run goes on growing.
  if (wal->size > 0 && offset != end && !Overlaps(wal, offset, amount)) {
    return RealWrite(wal, data, amount, offset);
  }
  // Across the kept bytes, or after them with no room left: they go first,
  // so that these bytes land after them.
  if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  if (bytes >= kWalBufferBytes) return RealWrite(wal, data, amount, offset);
  if (wal->buffer == nullptr) {
    wal->buffer = static_cast<char*>(sqlite3_malloc64(kWalBufferBytes));
    if (wal->buffer == nullptr) return RealWrite(wal, data, amount, offset);
  }
  std::memcpy(wal->buffer, data, bytes);
  wal->start = offset;
  wal->size = bytes;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  WalFile* wal = Wal(file);
  if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  return wal->real->pMethods->xTruncate(wal->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  WalFile* wal = Wal(file);
  if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  return wal->real->pMethods->xSync(wal->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  WalFile* wal = Wal(file);
  if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  return wal->real->pMethods->xFileSize(wal->real, size);
}

int Lock(sqlite3_file* file, int level) {
  return Wal(file)->real->pMethods->xLock(Wal(file)->real, level);
}

int Unlock(sqlite3_file* file, int level) {
  return Wal(file)->real->pMethods->xUnlock(Wal(file)->real, level);
}

int CheckReservedLock(sqlite3_file* file, int* reserved) {
  return Wal(file)->real->pMethods->xCheckReservedLock(Wal(file)->real, reserved);
}

// Whatever a file control does (size hints, persistence, moves), it sees the
// file as SQLite believes it is.
int FileControl(sqlite3_file* file, int op, void* arg) {
  WalFile* wal = Wal(file);
  if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  return wal->real->pMethods->xFileControl(wal->real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  return Wal(file)->real->pMethods->xSectorSize(Wal(file)->real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  return Wal(file)->real->pMethods->xDeviceCharacteristics(Wal(file)->real);
}

// Version 1: SQLite maps shared memory and pages only of the database
// file, never of its WAL.
const sqlite3_io_methods kWalMethods = {
    /*iVersion=*/1,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    /*xShmMap=*/nullptr,
    /*xShmLock=*/nullptr,
    /*xShmBarrier=*/nullptr,
    /*xShmUnmap=*/nullptr,
    /*xFetch=*/nullptr,
    /*xUnfetch=*/nullptr,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* real = Real(vfs);
  constexpr int kTemporary = SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_TEMP_JOURNAL |
                             SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB;
  if ((flags & kTemporary) != 0) temporary_files.fetch_add(1, std::memory_order_relaxed);
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Any other file is the default VFS's own, in the same memory.
    return real->xOpen(real, name, file, flags, out_flags);
  }
  WalFile* wal = Wal(file);
  wal->base.pMethods = nullptr;
  wal->real = reinterpret_cast<sqlite3_file*>(wal + 1);
  wal->buffer = nullptr;
  wal->start = 0;
  wal->size = 0;
  const int rc = real->xOpen(real, name, wal->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // SQLite closes a file whose methods are set even when its open failed;
    // this one it will not, so the default VFS's file is closed here.
    if (wal->real->pMethods != nullptr) wal->real->pMethods->xClose(wal->real);
    return rc;
  }
  wal->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

// The rest of the VFS is the default one's, called with its own handle (the
// default VFS reads its own data through it).
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Real(vfs)->xDelete(Real(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Real(vfs)->xAccess(Real(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Real(vfs)->xFullPathname(Real(vfs), name, size, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Real(vfs)->xDlOpen(Real(vfs), name); }
void DlError(sqlite3_vfs* vfs, int size, char* out) { Real(vfs)->xDlError(Real(vfs), size, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Real(vfs)->xDlSym(Real(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Real(vfs)->xDlClose(Real(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return Real(vfs)->xRandomness(Real(vfs), size, out);
}
int Sleep(sqlite3_vfs* vfs, int microseconds) { return Real(vfs)->xSleep(Real(vfs), microseconds); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Real(vfs)->xCurrentTime(Real(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return Real(vfs)->xGetLastError(Real(vfs), size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Real(vfs)->xCurrentTimeInt64(Real(vfs), out);
}
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return Real(vfs)->xSetSystemCall(Real(vfs), name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Real(vfs)->xGetSystemCall(Real(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Real(vfs)->xNextSystemCall(Real(vfs), name);
}

bool Register() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  // The forwarders above assume the default VFS has every method of
  // version 3, as SQLite's unix VFS does.
  if (real == nullptr || real->iVersion < 3) return false;
  static sqlite3_vfs vfs;
  vfs.iVersion = 3;
  vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.pNext = nullptr;
  vfs.zName = kWalBufferVfs;
  vfs.pAppData = real;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = DlOpen;
  vfs.xDlError = DlError;
  vfs.xDlSym = DlSym;
  vfs.xDlClose = DlClose;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  vfs.xSetSystemCall = SetSystemCall;
  vfs.xGetSystemCall = GetSystemCall;
  vfs.xNextSystemCall = NextSystemCall;
  return sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK;
}

}  // namespace

bool RegisterWalBufferVfs() {
  static const bool registered = Register();
  return registered;
}

void DropKeptWalFrames(sqlite3* connection) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(connection, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods != &kWalMethods) {
    return;
  }
  Wal(file)->size = 0;
}

WalBufferCounts WalBufferCountsNow() {
  return WalBufferCounts{writes_asked.load(std::memory_order_relaxed),
                         writes_made.load(std::memory_order_relaxed),
                         temporary_files.load(std::memory_order_relaxed)};
}

}  // namespace clinic::storage
