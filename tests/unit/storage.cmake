clinic_add_test(storage_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/storage_test.cc
  LIBS clinic_storage clinic_testing)
clinic_add_test(append_only_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/append_only_test.cc
  LIBS clinic_storage clinic_testing)
clinic_add_test(paging_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/paging_test.cc
  LIBS clinic_storage)
clinic_add_test(group_commit_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/group_commit_test.cc
  LIBS clinic_storage clinic_testing)
clinic_add_test(outbox_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/outbox_test.cc
  LIBS clinic_storage clinic_testing)
clinic_add_test(wal_buffer_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/wal_buffer_test.cc
  LIBS clinic_storage clinic_testing)
