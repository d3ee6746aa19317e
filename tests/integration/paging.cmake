clinic_add_test(list_paging_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/list_paging_test.cc
  LIBS clinic_all_services clinic_server clinic_testing_access clinic_testing_treatment)
add_dependencies(list_paging_test clinic-plugin-probe clinic_test_plugins)
