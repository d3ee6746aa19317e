clinic_add_test(audit_log_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_log_test.cc
  LIBS clinic_audit clinic_testing clinic_testing_schema clinic_hash)
