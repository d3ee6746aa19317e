# Script-driven tests of the command-line tools and the installed SDK.
add_test(NAME plugin_check_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/plugin_check_test.sh
          ${CMAKE_RUNTIME_OUTPUT_DIRECTORY} ${CLINIC_PLUGIN_OUTPUT_DIR} ${CLINIC_TEST_PLUGIN_DIR})
set_tests_properties(plugin_check_test PROPERTIES TIMEOUT 120 LABELS process)
add_test(NAME sdk_out_of_tree_plugin_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/sdk/out_of_tree_test.sh ${CMAKE_BINARY_DIR}
          ${PROJECT_SOURCE_DIR})
set_tests_properties(sdk_out_of_tree_plugin_test PROPERTIES TIMEOUT 300 LABELS process)
add_test(NAME sdk_bases_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/sdk/bases_test.sh ${PROJECT_SOURCE_DIR}
          $<TARGET_FILE:protobuf::protoc> ${CLINIC_PLUGIN_SDK_WKT_DIR}
          $<TARGET_FILE:clinic-plugin-check>)
set_tests_properties(sdk_bases_test PROPERTIES TIMEOUT 120 LABELS process)
add_test(NAME plugin_check_messages_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/plugin_check_messages_test.sh
          ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
set_tests_properties(plugin_check_messages_test PROPERTIES TIMEOUT 60 LABELS process)
add_test(NAME plugin_check_versions_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/version_changes_test.sh
          ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
set_tests_properties(plugin_check_versions_test PROPERTIES TIMEOUT 60 LABELS process)
