clinic_add_test(access_matrix_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/access_matrix_test.cc
  LIBS clinic_all_services clinic_server clinic_testing_access clinic_testing_rpc)
clinic_link_whole_contracts(access_matrix_test)
add_dependencies(access_matrix_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(local_peer_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/local_peer_test.cc
  LIBS clinic_access_services clinic_server clinic_testing_access)
add_dependencies(local_peer_test clinic-plugin-probe)
clinic_add_test(bounded_errors_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bounded_errors_test.cc
  LIBS clinic_all_services clinic_server clinic_testing_access)
add_dependencies(bounded_errors_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(delegation_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/delegation_test.cc
  LIBS clinic_all_services clinic_server clinic_testing_access)
add_dependencies(delegation_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(access_grants_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/access_grants_test.cc
  LIBS clinic_all_services clinic_server clinic_testing_access)
add_dependencies(access_grants_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(audit_wait_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_wait_test.cc
  LIBS clinic_all_services clinic_testing_treatment clinic_client_records clinic_treatment_catalog clinic_server clinic_testing
       clinic_testing_access clinic_grpc_test_protos)
add_dependencies(audit_wait_test clinic-plugin-probe)
