# A damaged scoring store, table-driven: truncations and a byte flipped on
# every page; each case refused at start, reported by sos check, or of no
# effect; never a silent crash (issue 13).
add_test(NAME faults.damage
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/damage_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.damage PROPERTIES TIMEOUT 300 LABELS faults)
