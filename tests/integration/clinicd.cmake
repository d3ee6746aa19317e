clinic_add_test(clinicd_process_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinicd_process_test.cc
  LIBS clinic_proto clinic_testing)
add_dependencies(clinicd_process_test clinicd clinicctl clinic_test_plugins clinic-plugin-probe
                 clinic_bundled_plugins)
