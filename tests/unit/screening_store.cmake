# Unit tests of the Screening SQLite store.
clinic_add_test(screening_store_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/screening_store_test.cc
  LIBS clinic_screening clinic_storage clinic_testing)
