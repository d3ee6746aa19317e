# Inventory through gRPC, hosted as clinicd hosts it.
clinic_add_test(inventory_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access)
add_dependencies(inventory_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(inventory_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_process_test.cc
  LIBS clinic_proto clinic_storage clinic_testing clinic_testing_access)
add_dependencies(inventory_process_test clinic-inventory clinic-plugin-probe
                 clinic_bundled_plugins)
clinic_add_test(inventory_consume_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_consume_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access)
add_dependencies(inventory_consume_test clinic-plugin-probe clinic_bundled_plugins)
