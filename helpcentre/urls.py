from django.urls import path

from helpcentre import api, views

urlpatterns = [
    # API
    path("api/help/categories/", api.CategoryListApi.as_view(), name="help-category-list"),
    path("api/help/questions/", api.QuestionListApi.as_view(), name="help-question-list"),
    path("api/help/questions/<slug:slug>/", api.QuestionDetailApi.as_view(),
         name="help-question-detail"),
    path("api/help/downloads/", api.DownloadListApi.as_view(), name="help-download-list"),
    path("api/help/contact/", api.ContactApi.as_view(), name="help-contact-api"),
    # Pages. Questions and categories have their own prefixes, so a slug can never be taken
    # for one of the fixed pages.
    path("help/", views.index, name="help-index"),
    path("help/search/", views.search, name="help-search"),
    path("help/c/<slug:slug>/", views.category, name="help-category"),
    path("help/q/<slug:slug>/", views.question, name="help-question"),
    path("help/downloads/", views.downloads, name="help-downloads"),
    path("help/downloads/<slug:slug>/", views.download_file, name="help-download-file"),
    path("help/contact/", views.contact, name="help-contact"),
]  # fmt: skip
