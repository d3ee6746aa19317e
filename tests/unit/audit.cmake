clinic_add_test(audit_log_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_log_test.cc
  LIBS clinic_audit clinic_testing)
