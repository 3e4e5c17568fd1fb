# faults.start_orders: the four daemons started in all 24 orders, and once
# after the client, while `sos import` is submitting; nothing lost or doubled.
add_test(NAME faults.start_orders
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/start_orders_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.start_orders PROPERTIES TIMEOUT 180 LABELS faults)
