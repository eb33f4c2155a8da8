#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>


#include "cpolicy.h"
#include "flowname.h"

#define SLOTS (2u * (FLOWNAME_MAX + 1)) /* open addressing, at most half full */

struct flowname {
	uint32_t count;                       /* names[1 .. count] are set */
	char (*names)[CP_FLOW_ID_MAX];
	uint16_t *slot;                       /* name numbers by hash; 0 = empty */
};

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

struct flowname *flowname_create(void)
{
	struct flowname *fn = calloc(1, sizeof(*fn));

	if (fn == NULL)
		goto err_alloc;
	fn->names = calloc(FLOWNAME_MAX + 1, sizeof(*fn->names));
	if (fn->names == NULL)
		goto err_names;
	fn->slot = calloc(SLOTS, sizeof(*fn->slot));
	if (fn->slot == NULL)
		goto err_slot;
	return fn;

err_slot:
	free(fn->names);
err_names:
	free(fn);
err_alloc:
	errno = ENOMEM;
	return NULL;
}

void flowname_free(struct flowname *fn)
{
	if (fn == NULL)
		return;
	free(fn->slot);
	free(fn->names);
	free(fn);
}

int flowname_intern(struct flowname *fn, const char *id)
{
	char buf[CP_FLOW_ID_MAX] = { 0 };
	uint32_t i;

	snprintf(buf, sizeof(buf), "%s", id);
	if (buf[0] == '\0')
		return FLOWNAME_NONE;
	for (i = hash(buf) % SLOTS; fn->slot[i] != 0; i = (i + 1) % SLOTS)
		if (strcmp(fn->names[fn->slot[i]], buf) == 0)
			return fn->slot[i];
	if (fn->count >= FLOWNAME_MAX)
		return -ENOSPC;
	memcpy(fn->names[fn->count + 1], buf, sizeof(buf));
	fn->slot[i] = (uint16_t)(fn->count + 1);
	/* Readers only learn a number from a table published after this store. */
	__atomic_store_n(&fn->count, fn->count + 1, __ATOMIC_RELEASE);
	return (int)fn->count;
}

const char *flowname_get(const struct flowname *fn, uint32_t n)
{
	if (fn == NULL || n == FLOWNAME_NONE ||
	    n > __atomic_load_n(&fn->count, __ATOMIC_ACQUIRE))
		return "";
	return fn->names[n];
}
