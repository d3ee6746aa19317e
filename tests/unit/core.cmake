clinic_add_test(core_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/core_test.cc
  LIBS clinic_core clinic_server)
