clinic_add_test(token_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/token_store_test.cc
  LIBS clinic_auth clinic_testing)
