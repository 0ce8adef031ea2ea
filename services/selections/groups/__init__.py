"""Groups: static (members by hand, in bulk or on the portal), dynamic (a filter) and composite
(a union, intersection or difference of other groups), with their memberships kept in
group_members for every kind."""
