clinic_add_test(tls_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tls_test.cc
  LIBS clinic_access_services clinic_treatment_catalog clinic_server clinic_testing
       clinic_testing_access
       clinic_grpc_test_protos)
add_dependencies(tls_test clinic-plugin-probe clinic_bundled_plugins)
