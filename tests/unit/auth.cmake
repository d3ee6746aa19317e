clinic_add_test(access_store_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/access_store_test.cc
  LIBS clinic_auth clinic_testing clinic_testing_schema)
clinic_add_test(grant_rules_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/grant_rules_test.cc
  LIBS clinic_auth)
