# Unit tests of clinic_screening_evaluator: the rules' three-valued logic,
# actions and outcomes, CheckAnswers, the bundled plugins' rules (read from
# the built plugins, bases included), and randomized properties.
clinic_add_test(screening_evaluator_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/screening_evaluator_test.cc
  LIBS clinic_screening_evaluator clinic_testing_plugins clinic_plain_answers)
add_dependencies(screening_evaluator_test clinic_bundled_plugins)
