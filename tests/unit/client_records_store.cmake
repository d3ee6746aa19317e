clinic_add_test(client_records_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_records_store_test.cc
  LIBS clinic_client_records clinic_storage clinic_testing)
clinic_add_test(client_search_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_search_store_test.cc
  LIBS clinic_client_records clinic_storage clinic_testing)
