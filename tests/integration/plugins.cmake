clinic_add_test(plugin_host_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/plugin_host_test.cc
  LIBS clinic_plugins clinic_hash clinic_testing)
add_dependencies(plugin_host_test clinic_test_plugins clinic-plugin-probe clinic_bundled_plugins)
