clinic_add_test(billing_math_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/billing_math_test.cc
  LIBS clinic_billing)
