# Hostile input over every RPC of every hosted service (issue 8): clinicd as a
# child process, cases derived from the descriptors.
add_executable(hostile_input_test
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_cases.cc
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_baselines.cc
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_env.cc
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_fixtures.cc
  ${CMAKE_CURRENT_LIST_DIR}/hostile_input_suite.cc)
target_link_libraries(hostile_input_test PRIVATE
  clinic_proto clinic_core clinic_testing clinic_testing_access clinic_testing_rpc
  clinic_testing_treatment
  clinic_grpc_test_protos clinic_storage SQLiteCpp
  absl::strings absl::str_format absl::time GTest::gtest GTest::gtest_main)
# Every contract is linked whole, so the generated descriptor pool knows every
# service the server may host, including ones this test never names.
target_link_options(hostile_input_test PRIVATE
  "LINKER:--whole-archive,$<TARGET_FILE:clinic_proto_messages>,--no-whole-archive")
set_target_properties(hostile_input_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
clinic_warnings(hostile_input_test)
gtest_discover_tests(hostile_input_test DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300 LABELS process)
add_dependencies(hostile_input_test clinicd clinic-plugin-probe clinic_bundled_plugins
                 clinic_test_plugins)
