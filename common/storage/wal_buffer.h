// Write-ahead-log frames written a few dozen at a time instead of two system
// calls per page. SQLite writes each WAL frame as a 24-byte header and a
// page, each with its own pwrite(), so a commit that touches a hundred pages
// makes two hundred system calls before its fsync; on ext4 each of them
// takes the inode lock, updates the file's times and starts a journal
// handle, and they were a fifth to a third of a store writer's processor
// (docs/performance.md, "WAL writes in one call").
//
// kWalBufferVfs is a SQLite VFS that wraps the default one. A WAL file
// opened through it keeps the writes that follow one another in memory (up
// to kWalBufferBytes) and hands them to the file as one write when
// something needs the file to hold them: a sync, a truncation, its size
// being asked, a file control, a read across their edge, or a write over
// part of them or past them with no room left. A read or a rewrite of kept
// bytes is served in memory, and a write elsewhere goes to the file at
// once. Frames still kept when a transaction rolls back (DropKeptWalFrames)
// or the file closes were never committed and are dropped. Every other
// file (the database itself, its shared-memory index) is the default VFS's
// own, untouched.
//
// Only for connections with synchronous=FULL. A committing transaction then
// syncs the WAL before its frames become visible to other connections (in
// the WAL index), and that sync writes out what was kept, so no reader can
// see a frame the file does not hold. With synchronous=NORMAL a commit makes
// its frames visible without a sync, and a reader on another connection
// could read the file before the writer's bytes reached it: Database uses
// the VFS only for FULL connections. A crash loses only writes SQLite had
// not yet synced, which it never counts on, as without the buffer.
#ifndef CLINIC_COMMON_STORAGE_WAL_BUFFER_H_
#define CLINIC_COMMON_STORAGE_WAL_BUFFER_H_

#include <cstddef>
#include <cstdint>

struct sqlite3;

namespace clinic::storage {

// The VFS's name for sqlite3_open_v2 (SQLite::Database's aVfs).
inline constexpr char kWalBufferVfs[] = "clinic-wal-buffer";

// The most a WAL file keeps before writing: 31 frames of 4 KiB pages. It is
// also the most SQLite's unix VFS writes in one call: it masks a write's
// length to 17 bits (seekAndWriteFd in os_unix.c), since SQLite itself never
// writes more than a page at once, so a larger write would be cut short and
// reported as a full disk.
inline constexpr size_t kWalBufferBytes = 0x1ffff;

// Registers the VFS (not as the default) once per process; later calls do
// nothing. False when SQLite refused it, in which case connections must
// open with the default VFS.
bool RegisterWalBufferVfs();

// Forgets the frames the WAL of `connection` keeps, without writing them.
// Call it once a transaction rolled back: its frames (pages it wrote out
// before COMMIT) are garbage SQLite never reads, and writing them later,
// after the write lock was let go, could overwrite frames another
// connection or process has committed at those places since. Nothing to
// do after a COMMIT, whose sync wrote everything kept. Harmless for a
// connection that does not use the VFS.
void DropKeptWalFrames(sqlite3* connection);

// Writes asked of WAL files opened through the VFS, and writes that reached
// the files, since the process started; and the temporary files (a
// savepoint's journal grown past what it keeps in memory, a sort too large
// for memory) its connections opened. For tests and the explanation of
// figures.
struct WalBufferCounts {
  int64_t writes_asked = 0;
  int64_t writes_made = 0;
  int64_t temporary_files = 0;
};
WalBufferCounts WalBufferCountsNow();

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_WAL_BUFFER_H_
