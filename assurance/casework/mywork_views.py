"""My work: each group of things waiting for the person, counted, with its first few rows, and
one group in full, paged. What each role sees is decided in mywork.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from assurance.casework import mywork
from assurance.common.lists import paginate, render_list

GROUP_PAGE_SIZE = 50


@login_required
def my_work(request):
    today = timezone.localdate()
    held = mywork.held_by(request.user, today)
    summaries = mywork.summarise(request.user, held, today)
    waiting = sum(s.count for s in summaries if s.group.waiting)
    return render(
        request,
        "assurance/my_work.html",
        {"summaries": summaries, "waiting": waiting, "held_anything": bool(summaries)},
    )


@login_required
def my_work_group(request, group):
    today = timezone.localdate()
    held = mywork.held_by(request.user, today)
    shown = {g.slug: g for g in mywork.groups_for(held)}
    if group not in shown:
        raise Http404("This list is not part of your work.")
    chosen = shown[group]
    page = paginate(
        request,
        chosen.rows(request.user, held, today),
        GROUP_PAGE_SIZE,
        region="my-work-list",
        label=f"Pages of {chosen.heading.lower()}",
    )
    return render_list(
        request,
        "assurance/my_work/group.html",
        {"group": chosen, "page": page},
        fragments={"my-work-list": "assurance/my_work/_group_list.html"},
    )
