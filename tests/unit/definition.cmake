clinic_add_test(definition_validator_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_validator_test.cc
  LIBS clinic_definition clinic_testing)
