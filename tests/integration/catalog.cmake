clinic_add_test(catalog_server_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/catalog_server_test.cc
  LIBS clinic_treatment_catalog clinic_server clinic_hash clinic_testing clinic_testing_access
       clinic_grpc_test_protos)
add_dependencies(catalog_server_test clinic_test_plugins clinic-plugin-probe clinic_bundled_plugins)
