# How the project links Debian's gRPC, protobuf, Abseil and libphonenumber.
#
# Libraries and tests link them as shared libraries. The server programs
# (clinicd and each service's own program, marked with
# clinic_server_program()) link the static archives Debian ships beside them
# instead: 74 shared libraries cost a server some 20 ms of dynamic loader
# work on every start, most of its time before main()
# (docs/decisions/0018-static-server-programs.md). Nothing else changes:
# the same code, compiled once, in the same static libraries of ours.
#
# A program must take all of these from one kind or the other, never both:
# an Abseil or protobuf linked twice has two flag registries, two descriptor
# pools and two of every global. So every target of ours names them through
# the clinic_dep_* targets below, never through gRPC::, protobuf:: or absl::
# directly; each resolves, for the program being linked, to the shared
# targets or to the one group of archives.
#
# Plugins are not affected: they link none of these libraries
# (plugins/sdk), so a statically linked host shares nothing with them.

option(CLINIC_STATIC_SERVERS
       "Link the server programs against static gRPC, protobuf, Abseil and libphonenumber" ON)

set(_clinic_static_names grpc++ grpc++_reflection grpc gpr upb address_sorting re2 cares protobuf
    phonenumber)
set(_clinic_static_archives)
set(_clinic_static_missing)
foreach(name IN LISTS _clinic_static_names)
  string(MAKE_C_IDENTIFIER "${name}" id)
  find_library(CLINIC_STATIC_${id} NAMES lib${name}.a)
  if(CLINIC_STATIC_${id})
    list(APPEND _clinic_static_archives "${CLINIC_STATIC_${id}}")
  else()
    list(APPEND _clinic_static_missing lib${name}.a)
  endif()
endforeach()
# Every Abseil archive: gRPC and protobuf use some that we do not name.
get_filename_component(_clinic_archive_dir "${CLINIC_STATIC_protobuf}" DIRECTORY)
file(GLOB _clinic_absl_archives "${_clinic_archive_dir}/libabsl_*.a")
if(NOT _clinic_absl_archives)
  list(APPEND _clinic_static_missing "libabsl_*.a")
endif()
list(APPEND _clinic_static_archives ${_clinic_absl_archives})

if(CLINIC_STATIC_SERVERS AND _clinic_static_missing)
  message(STATUS "Server programs link shared libraries: no ${_clinic_static_missing}")
  set(CLINIC_STATIC_SERVERS OFF)
endif()

# The archives as one group, so their order does not matter, and the shared
# libraries they need that we keep shared (none of them uses Abseil or
# protobuf).
add_library(clinic_static_stack INTERFACE)
list(JOIN _clinic_static_archives "," _clinic_archive_list)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
target_link_libraries(clinic_static_stack INTERFACE "$<LINK_GROUP:RESCAN,${_clinic_archive_list}>"
                      OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB ICU::i18n ICU::uc
                      Threads::Threads ${CMAKE_DL_LIBS})

# clinic_dep_NAME: the shared TARGETS for every program but a server
# program, the static group for a server program.
function(clinic_dependency name)
  add_library(${name} INTERFACE)
  set(static "$<BOOL:$<TARGET_PROPERTY:CLINIC_STATIC_DEPS>>")
  target_link_libraries(${name} INTERFACE "$<${static}:clinic_static_stack>")
  foreach(target IN LISTS ARGN)
    target_link_libraries(${name} INTERFACE "$<$<NOT:${static}>:${target}>")
  endforeach()
endfunction()

clinic_dependency(clinic_dep_grpc gRPC::grpc++)
clinic_dependency(clinic_dep_grpc_reflection gRPC::grpc++_reflection)
clinic_dependency(clinic_dep_protobuf protobuf::libprotobuf)
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
clinic_dependency(clinic_dep_phonenumber ${PHONENUMBER_LIBRARY} protobuf::libprotobuf)
clinic_dependency(
  clinic_dep_absl
  absl::strings
  absl::str_format
  absl::time
  absl::civil_time
  absl::status
  absl::statusor
  absl::synchronization
  absl::optional
  absl::int128
  absl::cord
  absl::random_random
  absl::flags
  absl::flags_parse
  absl::flags_usage
  absl::flags_reflection)

# Marks a server program: it links the static archives when
# CLINIC_STATIC_SERVERS is on (and they were found).
function(clinic_server_program target)
  if(CLINIC_STATIC_SERVERS)
    set_property(TARGET ${target} PROPERTY CLINIC_STATIC_DEPS ON)
  endif()
endfunction()
