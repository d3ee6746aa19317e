# Billing through gRPC, hosted as clinicd hosts it.
clinic_add_test(billing_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/billing_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access)
add_dependencies(billing_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(billing_packages_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/billing_packages_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access)
add_dependencies(billing_packages_test clinic-plugin-probe clinic_bundled_plugins)
