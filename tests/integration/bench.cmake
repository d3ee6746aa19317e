# clinic-bench run for a moment against a clinicd of its own: it must run,
# report every RPC of its mix and see no call fail. No speed is asserted.
clinic_add_test(clinic_bench_smoke_test LABEL process
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/clinic_bench_smoke_test.cc
  LIBS clinic_testing clinic_bench_report_proto)
add_dependencies(clinic_bench_smoke_test clinic-bench clinicd clinic-plugin-probe
                 clinic_bundled_plugins)
