# clinicctl's stock commands run as a shell runs them, against a real clinicd;
# and watch-alerts resuming when a stream reaches its age limit.
clinic_add_test(clinicctl_stock_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinicctl_stock_process_test.cc
  LIBS clinic_proto clinic_server clinic_testing)
add_dependencies(clinicctl_stock_process_test clinicd clinicctl clinic-plugin-probe
                 clinic_bundled_plugins)

# clinicctl's client and chart commands, service tokens and the audit trail
# by request id, against a real clinicd.
clinic_add_test(clinicctl_chart_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinicctl_chart_process_test.cc
  LIBS clinic_proto clinic_testing)
add_dependencies(clinicctl_chart_process_test clinicd clinicctl clinic-plugin-probe
                 clinic_bundled_plugins)

# clinicctl's billing commands against clinic-billing alone, killed and
# restarted in the middle.
clinic_add_test(clinicctl_billing_process_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinicctl_billing_process_test.cc
  LIBS clinic_proto clinic_testing clinic_testing_access)
add_dependencies(clinicctl_billing_process_test clinic-billing clinicctl clinic-plugin-probe
                 clinic_bundled_plugins)
