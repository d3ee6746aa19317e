clinic_add_test(server_edge_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/server_edge_test.cc
  LIBS clinic_client_records clinic_server clinic_storage clinic_testing clinic_testing_access)
add_dependencies(server_edge_test clinic-plugin-probe)
