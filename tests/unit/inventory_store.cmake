# Unit tests of the Inventory SQLite store (the ledger; recalls and alerts)
# and of allocation.
clinic_add_test(inventory_store_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_store_test.cc
  LIBS clinic_inventory clinic_storage clinic_testing)
clinic_add_test(inventory_recall_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_recall_test.cc
  LIBS clinic_inventory clinic_storage clinic_testing)
clinic_add_test(inventory_allocation_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inventory_allocation_test.cc
  LIBS clinic_inventory clinic_testing)
