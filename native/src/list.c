// SPDX-License-Identifier: GPL-2.0-only
/* list.c - the public page-list helpers (leaves: see leaf.h). */
#include "leaf.h"

PA_API void pa_list_init(struct pa_list_head *list)
{
    if (list)
        list_init(list);
}

PA_API int pa_list_empty(const struct pa_list_head *list)
{
    return !list || list_empty(list);
}

PA_API struct pa_page *pa_list_first(const struct pa_list_head *list)
{
    if (!list || list_empty(list))
        return NULL;
    return lru_to_page(list->next);
}

PA_API struct pa_page *pa_list_next(const struct pa_list_head *list, const struct pa_page *page)
{
    if (!list || !page || page->lru.next == list)
        return NULL;
    return lru_to_page(page->lru.next);
}

PA_API unsigned long pa_list_count(const struct pa_list_head *list)
{
    unsigned long n = 0;
    if (!list)
        return 0;
    for (const struct pa_list_head *p = list->next; p != list; p = p->next)
        n++;
    return n;
}

PA_API void pa_list_move_tail(struct pa_page *page, struct pa_list_head *list)
{
    if (!page || !list)
        return;
    list_del(&page->lru);
    list_add_tail(&page->lru, list);
}

PA_API void pa_list_del(struct pa_page *page)
{
    if (page)
        list_del(&page->lru);
}

PA_API void pa_list_splice_tail(struct pa_list_head *from, struct pa_list_head *to)
{
    if (from && to && from != to)
        list_splice_tail_init(from, to);
}
