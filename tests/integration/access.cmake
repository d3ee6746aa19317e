clinic_add_test(access_matrix_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/access_matrix_test.cc
  LIBS clinic_access_services clinic_client_records clinic_treatment_catalog clinic_server
       clinic_testing_access)
add_dependencies(access_matrix_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(hostile_input_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cc
  LIBS clinic_access_services clinic_client_records clinic_treatment_catalog clinic_server
       clinic_testing_access)
add_dependencies(hostile_input_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(delegation_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/delegation_test.cc
  LIBS clinic_access_services clinic_client_records clinic_treatment_catalog clinic_server
       clinic_testing_access)
add_dependencies(delegation_test clinic-plugin-probe clinic_bundled_plugins)
