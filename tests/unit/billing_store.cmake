# Unit tests of the Billing SQLite store and of the invoice arithmetic.
clinic_add_test(billing_math_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/billing_math_test.cc
  LIBS clinic_billing)
clinic_add_test(billing_store_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/billing_store_test.cc
  LIBS clinic_billing clinic_storage clinic_testing SQLiteCpp)
