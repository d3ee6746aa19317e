clinic_add_test(client_validation_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_validation_test.cc
  LIBS clinic_client_validation)
clinic_add_test(treatment_validation_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/treatment_validation_test.cc
  LIBS clinic_client_validation)
