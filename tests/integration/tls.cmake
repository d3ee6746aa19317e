clinic_add_test(tls_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tls_test.cc
  LIBS clinic_access_services clinic_server clinic_testing_access)
add_dependencies(tls_test clinic-plugin-probe)
