# The treatment flow across ClientRecords, Screening, Inventory and Billing.
clinic_add_test(treatment_flow_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/treatment_flow_test.cc
  LIBS clinic_all_services clinic_server clinic_testing clinic_testing_access
       clinic_testing_treatment)
add_dependencies(treatment_flow_test clinic-plugin-probe clinic_bundled_plugins)
clinic_add_test(treatment_flow_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/treatment_flow_process_test.cc
  LIBS clinic_proto clinic_storage clinic_testing clinic_testing_access clinic_testing_treatment)
add_dependencies(treatment_flow_process_test clinicd clinic-plugin-probe clinic_bundled_plugins)
