# Unit tests of clinic_plugins that need no plugin file: the definition
# history on a real SQLite file in a temporary folder.
clinic_add_test(definition_history_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_history_test.cc
  LIBS clinic_plugins clinic_hash clinic_testing clinic_testing_schema)
