# sos backup during a stream of takes, restored into a new home.
add_test(NAME faults.backup
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/backup_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.backup PROPERTIES TIMEOUT 180 LABELS faults)
