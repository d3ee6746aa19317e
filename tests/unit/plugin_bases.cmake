# Unit tests of plugins built on bases: what the built test plugin and the
# bundled plugins declare once their bases are merged in at build time.
clinic_add_test(plugin_bases_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/plugin_bases_test.cc
  LIBS clinic_testing_plugins clinic_definition)
add_dependencies(plugin_bases_test clinic_test_plugins clinic_bundled_plugins)
