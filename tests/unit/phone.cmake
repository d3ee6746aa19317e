clinic_add_test(phone_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/phone_test.cc
  LIBS clinic_phone)
