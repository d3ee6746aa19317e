clinic_add_test(storage_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/storage_test.cc
  LIBS clinic_storage clinic_testing)
