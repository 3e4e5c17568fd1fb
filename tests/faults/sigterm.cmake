add_test(NAME faults.sigterm
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/sigterm_test.py ${CMAKE_BINARY_DIR})
set_tests_properties(faults.sigterm PROPERTIES TIMEOUT 120 LABELS faults)
