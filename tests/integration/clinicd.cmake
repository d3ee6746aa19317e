clinic_add_test(clinicd_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinicd_process_test.cc
  LIBS clinic_proto clinic_testing)
add_dependencies(clinicd_process_test clinicd clinicctl clinic_test_plugins clinic-plugin-probe
                 clinic_bundled_plugins)
clinic_add_test(crash_durability_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/crash_durability_test.cc
  LIBS clinic_proto clinic_testing clinic_testing_access)
add_dependencies(crash_durability_test clinicd)
