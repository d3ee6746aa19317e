# Unit tests of clinic_definition: the treatment definition validator and
# Semantic Versioning, and what changed between two versions.
clinic_add_test(definition_validator_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_validator_test.cc
  LIBS clinic_definition clinic_testing_plugins)
add_dependencies(definition_validator_test clinic_bundled_plugins clinic_test_plugins)
clinic_add_test(semver_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/semver_test.cc
  LIBS clinic_definition)
clinic_add_test(definition_upgrade_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_upgrade_test.cc
  LIBS clinic_definition clinic_testing)
clinic_add_test(definition_hints_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_hints_test.cc
  LIBS clinic_definition clinic_testing_plugins)
add_dependencies(definition_hints_test clinic_bundled_plugins clinic_test_plugins)
clinic_add_test(definition_source_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_source_test.cc
  LIBS clinic_definition)
clinic_add_test(definition_changes_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/definition_changes_test.cc
  LIBS clinic_definition clinic_testing_plugins)
add_dependencies(definition_changes_test clinic_bundled_plugins)
