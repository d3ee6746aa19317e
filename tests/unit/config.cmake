clinic_add_test(config_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_test.cc
  LIBS clinic_config clinic_testing)
clinic_add_test(sites_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sites_test.cc
  LIBS clinic_config)
