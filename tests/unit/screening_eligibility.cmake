# Unit tests of DecideEligibility: every reason, at any date and time of day.
clinic_add_test(screening_eligibility_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/screening_eligibility_test.cc
  LIBS clinic_screening clinic_testing)
