/* Hooks of the test-only hostile hypervisor (hyp/test/hostile.c,
 * lib/include/tzv/test-hostile.h): a normal build compiles them away. */
#ifndef HYP_HOSTILE_H
#define HYP_HOSTILE_H
#include <stdbool.h>
#include <stdint.h>

#ifdef TZV_HOSTILE
#include <tzv/test-hostile.h>
struct vcpu;
struct vm;
uint32_t hostile_client(const struct vm *vm, uint32_t honest);
uint64_t hostile_page(const struct vm *vm, uint64_t honest);
uint64_t hostile_arg(const struct vm *vm, uint64_t honest);
bool hostile_unchecked(const struct vm *vm);
bool hostile_guest_msg(const struct vm *vm);
void hostile_saw_token(const struct vm *vm, uint32_t token);
void hc_hostile(struct vcpu *v);
#else
#define hostile_client(vm, honest) (honest)
#define hostile_page(vm, honest)   (honest)
#define hostile_arg(vm, honest)	   (honest)
#define hostile_unchecked(vm)	   false
#define hostile_guest_msg(vm)	   false
#define hostile_saw_token(vm, token)
#endif

#endif
