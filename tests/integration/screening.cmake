clinic_add_test(screening_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/screening_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access)
add_dependencies(screening_test clinic-plugin-probe clinic_bundled_plugins clinic_test_plugins)
clinic_add_test(screening_processes_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/screening_processes_test.cc
  LIBS clinic_proto clinic_testing clinic_testing_access)
add_dependencies(screening_processes_test clinic-screening clinic-client-records clinicctl
                 clinic-plugin-probe clinic_test_plugins)
