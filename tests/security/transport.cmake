# security.transport: the real daemons on loopback tcp with CURVE, the access
# list, roles, reviewer identity and key rotation (transport_test.py).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME security.transport
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/transport_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(security.transport PROPERTIES LABELS security TIMEOUT 300)
