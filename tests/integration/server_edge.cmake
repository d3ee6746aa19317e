clinic_add_test(server_edge_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/server_edge_test.cc
  LIBS clinic_all_services clinic_server clinic_storage clinic_testing clinic_testing_access)
add_dependencies(server_edge_test clinic-plugin-probe)
clinic_add_test(edge_memory_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/edge_memory_test.cc
  LIBS clinic_proto clinic_testing clinic_grpc_test_protos)
add_dependencies(edge_memory_test clinicd)
clinic_add_test(service_kit_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/service_kit_test.cc
  LIBS clinic_server clinic_testing clinic_testing_access)
add_dependencies(service_kit_test clinic-plugin-probe)
