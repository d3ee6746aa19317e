clinic_add_test(client_records_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_records_test.cc
  LIBS clinic_all_services clinic_testing_treatment clinic_client_records clinic_treatment_catalog clinic_server clinic_storage clinic_testing
       clinic_testing_access
       clinic_grpc_test_protos)
add_dependencies(client_records_test clinic-plugin-probe clinic_bundled_plugins)

clinic_add_test(client_search_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_search_test.cc
  LIBS clinic_all_services clinic_testing_treatment clinic_client_records clinic_treatment_catalog clinic_server clinic_storage clinic_testing
       clinic_testing_access)
add_dependencies(client_search_test clinic-plugin-probe)

clinic_add_test(client_records_retry_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_records_retry_test.cc
  LIBS clinic_all_services clinic_testing_treatment clinic_client_records clinic_treatment_catalog clinic_server clinic_testing
       clinic_testing_access)
add_dependencies(client_records_retry_test clinic-plugin-probe clinic_bundled_plugins)

clinic_add_test(client_contact_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_contact_test.cc
  LIBS clinic_all_services clinic_testing_treatment clinic_client_records clinic_treatment_catalog clinic_server clinic_storage clinic_testing
       clinic_testing_access)
add_dependencies(client_contact_test clinic-plugin-probe)
