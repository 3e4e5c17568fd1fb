# faults.pause: SIGSTOP scoring for 30 s while reviewers file takes with
# retries; aggregation notices (upstream.silent/back), nothing lost or
# doubled, every verdict published once. pause_test.py.
add_test(NAME faults.pause
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/pause_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.pause PROPERTIES LABELS faults TIMEOUT 300)
